"""The fake upstream as Azure OpenAI's v1 API, straight (no proxy): `api-key` only, deployment
names for models, Azure's own error envelope."""

import pytest

from fake_client import KEY, call, error, output_text

USER = [{"role": "user", "content": "hi"}]
API_KEY = {"api-key": "azure-fake-key"}
DENIED = {"error": {"code": "401", "message": (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a "
    "valid key for an active subscription and use a correct regional API endpoint for your "
    "resource.")}}


def azure(fake, route, body=None, method="POST", headers=API_KEY, auth=None):
    return call(fake, "/openai/v1" + route, body, method=method, auth=auth, headers=headers)


@pytest.mark.parametrize("headers,auth", [({}, None), ({}, KEY), (API_KEY, KEY)],
                         ids=["no key", "key as Bearer", "both"])
def test_only_the_api_key_header_gets_in(fake, headers, auth):
    r = azure(fake, "/chat/completions", {"model": "my-o1-mini", "messages": USER}, headers=headers,
              auth=auth)
    assert (r.status, r.json()) == (401, DENIED)


def test_an_unknown_deployment_is_not_found(fake):
    r = azure(fake, "/chat/completions", {"model": "o1-mini", "messages": USER})
    assert r.status == 404
    assert r.json() == {"error": {"code": "DeploymentNotFound", "message": (
        "The API deployment for this resource does not exist. If you created the deployment "
        "within the last 5 minutes, please wait a moment and try again.")}}


def test_a_deployment_answers_as_its_model_under_that_models_rules(fake):
    r = azure(fake, "/chat/completions", {"model": "my-o1-mini", "messages": USER})
    assert r.status == 200
    assert r.json()["model"] == "o1-mini-2024-09-12"
    assert r.json()["choices"][0]["message"]["content"] == "echo: hi"
    r = azure(fake, "/chat/completions", {"model": "my-o1-mini", "messages": [
        {"role": "system", "content": "s"}, *USER]})
    assert (r.status, r.json()) == (400, error(
        "Unsupported value: 'messages[0].role' does not support 'system' with this model.",
        "messages[0].role", "unsupported_value"))
    r = azure(fake, "/chat/completions", {"model": "prod-o3-mini", "messages": USER,
                                          "stream": True})
    assert r.status == 200 and r.events()[-1] == (None, "[DONE]")
    assert r.data()[1]["model"] == "o3-mini-2025-01-31"


def test_chat_answers_carry_azures_content_filter_results(fake):
    got = azure(fake, "/chat/completions", {"model": "my-gpt-4o", "messages": USER}).json()
    assert got["prompt_filter_results"][0]["content_filter_results"]["hate"] == {
        "filtered": False, "severity": "safe"}
    assert "content_filter_results" in got["choices"][0]
    chunks = azure(fake, "/chat/completions", {"model": "my-gpt-4o", "messages": USER,
                                               "stream": True}).data()
    opener = chunks[0]
    assert (opener["choices"], opener["id"], opener["model"], opener["created"]) == ([], "", "", 0)
    assert "usage" not in opener and opener["prompt_filter_results"]
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[1:]) == "echo: hi"


def test_a_responses_only_deployment_refuses_chat_as_azure_does(fake):
    r = azure(fake, "/chat/completions", {"model": "team-o1-pro", "messages": USER})
    assert r.status == 400
    assert r.json() == {"error": {"code": "OperationNotSupported", "message": (
        "The chatCompletion operation does not work with the specified model, o1-pro. Please "
        "choose different model and try again. You can learn more about which models can be "
        "used with each operation here: https://go.microsoft.com/fwlink/?linkid=2197993.")}}
    r = azure(fake, "/responses", {"model": "team-o1-pro", "input": "hi"})
    assert r.status == 200 and r.json()["model"] == "o1-pro-2025-03-19"
    assert output_text(r.json()) == "echo: hi"
    r = azure(fake, "/responses", {"model": "team-o1-pro", "input": "hi", "stop": "x"})
    assert r.json() == error("Unknown parameter: 'stop'.", "stop", "unknown_parameter")


def test_a_deployment_without_the_responses_api_refuses_it_as_azure_does(fake):
    r = azure(fake, "/responses", {"model": "legacy-o3-mini", "input": "hi"})
    assert r.status == 400
    assert r.json()["error"]["code"] == "OperationNotSupported"
    assert r.json()["error"]["message"].startswith(
        "The responses operation does not work with the specified model, o3-mini.")
    r = azure(fake, "/chat/completions", {"model": "legacy-o3-mini", "messages": USER})
    assert r.status == 200


def test_models_and_other_paths(fake):
    r = azure(fake, "/models", method="GET")
    assert [m["id"] for m in r.json()["data"]] == ["o1-mini", "o3-mini", "o1-pro", "o1", "gpt-4o"]
    r = azure(fake, "/deployments/my-o1-mini/chat/completions", {"model": "my-o1-mini"})
    assert (r.status, r.json()) == (404, {"error": {"code": "404",
                                                    "message": "Resource not found"}})
    rec = fake.requests()[0]
    assert rec["path"] == "/openai/v1/models" and rec["headers"]["api-key"] == "azure-fake-key"
