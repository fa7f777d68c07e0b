"""The `aws_account` probe: the AWS account an attacker would take, a module for each part."""
