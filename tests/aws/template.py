"""Read template.yaml and turn its resources' properties into API requests, so the tests build
their S3 bucket, queues, table and schedule from the same definitions AWS deploys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags: ``!Ref x`` -> ``{"Ref": x}``, ``!Sub`` ->
    ``{"Fn::Sub": ...}``, ``!GetAtt a.b`` -> ``{"Fn::GetAtt": [a, b]}``."""


def _construct(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct)


def load() -> dict[str, Any]:
    with TEMPLATE.open() as stream:
        template: dict[str, Any] = yaml.load(stream, Loader=_CfnLoader)  # a SafeLoader subclass
    return template


def resource(template: dict[str, Any], name: str) -> dict[str, Any]:
    props: dict[str, Any] = template["Resources"][name]["Properties"]
    return props


def resolve(value: Any, refs: dict[str, Any]) -> Any:
    """Replace ``Ref``/``Fn::GetAtt``/``Fn::Sub`` with values from ``refs`` (parameters and
    resources, ``"Res.Attr"`` for attributes); anything unknown raises KeyError."""
    if isinstance(value, list):
        return [resolve(v, refs) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return refs[value["Ref"]]
    if set(value) == {"Fn::GetAtt"}:
        return refs[".".join(value["Fn::GetAtt"])]
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        text = value["Fn::Sub"]
        for key, replacement in refs.items():
            text = text.replace("${" + key + "}", str(replacement))
        return text
    return {k: resolve(v, refs) for k, v in value.items()}


def parameter_defaults(template: dict[str, Any]) -> dict[str, Any]:
    return {
        name: spec["Default"] for name, spec in template["Parameters"].items() if "Default" in spec
    }


def dynamodb_create_table(props: dict[str, Any], table_name: str) -> dict[str, Any]:
    """CreateTable request from AWS::DynamoDB::Table properties."""
    request: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props["BillingMode"],
    }
    if "GlobalSecondaryIndexes" in props:
        request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if props.get("SSESpecification", {}).get("SSEEnabled"):
        request["SSESpecification"] = {"Enabled": True}
    return request


def sqs_attributes(props: dict[str, Any]) -> dict[str, str]:
    """SetQueueAttributes/CreateQueue attributes from AWS::SQS::Queue properties."""
    import json

    attributes: dict[str, str] = {}
    for name, value in props.items():
        if name == "RedrivePolicy":
            attributes[name] = json.dumps(value)
        elif isinstance(value, bool):
            attributes[name] = "true" if value else "false"
        else:
            attributes[name] = str(value)
    return attributes


def s3_encryption(config: dict[str, Any]) -> dict[str, Any]:
    """PutBucketEncryption's configuration from the BucketEncryption property."""
    rules = []
    for rule in config["ServerSideEncryptionConfiguration"]:
        api = {k: v for k, v in rule.items() if k != "ServerSideEncryptionByDefault"}
        api["ApplyServerSideEncryptionByDefault"] = rule["ServerSideEncryptionByDefault"]
        rules.append(api)
    return {"Rules": rules}
