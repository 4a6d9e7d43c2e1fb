"""The connection settings: https rules, bounds, secrets kept out of text, and the spec Airbyte renders."""

import json

import jsonschema
import pytest
from airbyte_cdk.models import ConnectorSpecificationSerializer
from airbyte_cdk.sources.utils.schema_helpers import check_config_against_spec_or_exit
from airbyte_cdk.test.standard_tests._spec_lint import find_secret_marking_errors
from pydantic import ValidationError

from campus_oneroster.config import ConnectionConfig, require_secure_url
from campus_oneroster.errors import InsecureUrlError
from campus_oneroster.spec_schema import airbyte_spec

CLIENT_SECRET = "cs-0f3e9a1d-client-secret"
CONSUMER_SECRET = "oa1-77b2c4e8-consumer-secret"
VENDOR_SECRET = "vs-5d1c0b9a-vendor-secret"


def oauth2_config(base_url: str = "https://district.infinitecampus.org/campus/api/oneroster/v1p1/app/ims/oneroster/v1p1",
                  token_url: str = "https://district.infinitecampus.org/campus/oauth2/token?appName=app",
                  **extra) -> dict:
    return {
        "base_url": base_url,
        "credentials": {"auth_type": "oauth2_client_credentials", "token_url": token_url,
                        "client_id": "InfiniteCampus_otus", "client_secret": CLIENT_SECRET},
        "vendor_key": "otus", "vendor_secret": VENDOR_SECRET,
        **extra,
    }


@pytest.mark.parametrize("base_url", [
    "http://district.infinitecampus.org/campus/api/oneroster/v1p1/app/ims/oneroster/v1p1",
    "http://10.0.0.5/ims/oneroster/v1p1",
])
def test_plain_http_to_a_real_host_is_refused_with_the_fix(base_url):
    with pytest.raises(ValidationError) as caught:
        ConnectionConfig.model_validate(oauth2_config(base_url=base_url))
    text = str(caught.value)
    assert "OneRoster (1.1) Base URL uses http://" in text
    assert "https://" in text and "127.0.0.1, localhost and ::1" in text


def test_plain_http_token_url_is_refused():
    with pytest.raises(ValidationError) as caught:
        ConnectionConfig.model_validate(oauth2_config(token_url="http://district.infinitecampus.org/campus/oauth2/token"))
    assert "Token URL uses http://" in str(caught.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.0.0.2"])
def test_loopback_hosts_may_use_http(host):
    config = ConnectionConfig.model_validate(oauth2_config(base_url=f"http://{host}:8080/ims/oneroster/v1p1",
                                                           token_url=f"http://{host}:8080/token"))
    assert config.base_url.startswith("http://")


def test_a_url_without_scheme_is_refused_naming_the_setting():
    with pytest.raises(InsecureUrlError, match="must be a full URL starting with https://"):
        require_secure_url("district.infinitecampus.org/campus", "OneRoster (1.1) Base URL")


@pytest.mark.parametrize("key,value", [("page_size", 0), ("page_size", 50_001),
                                       ("max_concurrent_requests", 0), ("max_concurrent_requests", 6)])
def test_page_size_and_concurrency_stay_within_campus_limits(key, value):
    with pytest.raises(ValidationError, match=key):
        ConnectionConfig.model_validate(oauth2_config(**{key: value}))


def test_defaults_follow_campus_guidelines():
    config = ConnectionConfig.model_validate(oauth2_config())
    assert (config.page_size, config.max_concurrent_requests) == (10_000, 2)
    assert config.vendor_authorization() == f"otus:{VENDOR_SECRET}"


def test_secrets_never_show_in_repr_or_in_validation_errors():
    config = ConnectionConfig.model_validate(oauth2_config())
    assert CLIENT_SECRET not in repr(config) and VENDOR_SECRET not in str(config)
    with pytest.raises(ValidationError) as caught:
        ConnectionConfig.model_validate(oauth2_config(page_size="many"))
    assert CLIENT_SECRET not in str(caught.value) and VENDOR_SECRET not in str(caught.value)


def test_unknown_auth_type_or_missing_field_is_refused_without_echoing_the_secret():
    unknown = oauth2_config()
    unknown["credentials"]["auth_type"] = "basic"
    missing = oauth2_config()
    del missing["credentials"]["token_url"]
    for raw, expected in ((unknown, "oauth2_client_credentials"), (missing, "token_url")):
        with pytest.raises(ValidationError, match=expected) as caught:
            ConnectionConfig.model_validate(raw)
        assert CLIENT_SECRET not in str(caught.value) and VENDOR_SECRET not in str(caught.value)


def test_spec_is_what_airbytes_ui_renders():
    spec = airbyte_spec(ConnectionConfig, "https://docs.example.org/campus")
    connection = spec["connectionSpecification"]
    text = json.dumps(connection)
    assert spec["documentationUrl"] == "https://docs.example.org/campus"
    assert connection["$schema"].startswith("http://json-schema.org/")
    assert connection["type"] == "object" and connection["required"] == ["base_url", "credentials"]
    assert "$ref" not in text and "$defs" not in text and "anyOf" not in text and '"null"' not in text
    assert "discriminator" not in text and "writeOnly" not in text and '"password"' not in text
    variants = connection["properties"]["credentials"]["oneOf"]
    assert [v["properties"]["auth_type"]["const"] for v in variants] == ["oauth2_client_credentials", "oauth1_hmac_sha256"]
    assert all(v["required"][0] == "auth_type" for v in variants)
    assert variants[0]["properties"]["client_secret"]["airbyte_secret"] is True
    assert variants[1]["properties"]["consumer_secret"]["airbyte_secret"] is True
    vendor_secret = connection["properties"]["vendor_secret"]
    assert (vendor_secret["type"], vendor_secret["airbyte_secret"], "default" in vendor_secret) == ("string", True, False)
    assert [connection["properties"][name]["order"] for name in ("base_url", "credentials", "vendor_key")] == [0, 1, 2]
    assert find_secret_marking_errors(connection) == []
    jsonschema.Draft7Validator.check_schema(connection)


def test_spec_accepts_both_auth_shapes_and_rejects_a_missing_secret():
    connection = airbyte_spec(ConnectionConfig, "https://docs.example.org/campus")["connectionSpecification"]
    jsonschema.validate(oauth2_config(), connection)
    oauth1 = {**oauth2_config(), "credentials": {"auth_type": "oauth1_hmac_sha256", "consumer_key": "k",
                                                 "consumer_secret": CONSUMER_SECRET}}
    jsonschema.validate(oauth1, connection)
    broken = oauth2_config()
    del broken["credentials"]["client_secret"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, connection)


def test_the_cdk_accepts_a_sandbox_config_against_the_spec(sandbox):
    spec = ConnectorSpecificationSerializer.load(airbyte_spec(ConnectionConfig, "https://docs.example.org/campus"))
    for auth in ("oauth2", "oauth1"):
        check_config_against_spec_or_exit(sandbox.connection_config(auth=auth), spec)
