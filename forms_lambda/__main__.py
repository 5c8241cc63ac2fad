from . import create_app
from .cli import run

run(create_app)
