"""Deployment: the SAM template, the S3/CloudFront publisher and the authors' content lint."""
