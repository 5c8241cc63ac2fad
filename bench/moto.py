"""A moto_server process on 127.0.0.1 for the AWS-backed figures, and the environment pointing boto3 at it."""

import subprocess
import time
import urllib.error
import urllib.request

from localhost import free_port

AWS_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


class MotoServer:
    def __init__(self, ctx):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cmd = [ctx.bin("moto_server"), "-H", "127.0.0.1", "-p", str(self.port)]
        self.proc = None

    @property
    def env(self):
        return {**AWS_ENV, "AWS_ENDPOINT_URL": self.url}

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"), timeout=30)

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=2)
                return self
            except (OSError, urllib.error.HTTPError):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.__exit__()
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.2)

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
