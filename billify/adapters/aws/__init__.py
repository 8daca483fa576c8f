"""AWS adapters: S3, SQS, DynamoDB, SES, Textract. The only package that imports boto3."""
