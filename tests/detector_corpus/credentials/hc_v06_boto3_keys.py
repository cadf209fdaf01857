# corpus: label=vulnerable class=hardcoded_credentials line=7 framework=credentials
import boto3

s3 = boto3.client(
    "s3",
    aws_access_key_id="AKIAIOSFODNN7EXAMPLF",
    aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ",
)
print([b["Name"] for b in s3.list_buckets()["Buckets"]])
