"""The error answers of the real APIs, one constructor per message, each a (status, body) pair.

Wordings are copied from real answers; comments name where each was seen (owner/repo#N: a
GitHub issue or pull request quoting the API's answer). The chat ones without a comment are
OpenAI's answers to o1-mini and o1 as clients captured them in 2024-25. Where no real wording
is known the message follows its neighbours and the comment says so.
"""

from __future__ import annotations

Rejection = tuple[int, dict]


def openai_error(message, param=None, code=None, type_="invalid_request_error") -> dict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def json_value(v) -> str:
    """A value as the API quotes it inside a message (true, 0.7, 'low')."""
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


def supported_list(values) -> str:
    """'a' / 'a' and 'b' / 'a', 'b', and 'c': the API's own enumeration style."""
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


# ---- request shape (both APIs) --------------------------------------------------------

def bad_json() -> Rejection:
    return 400, openai_error(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
        "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
        "sent was not valid JSON.", None, None)


def no_api_key() -> Rejection:
    return 401, openai_error(
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", None, None)


def invalid_url(method, path) -> Rejection:
    return 404, openai_error(f"Invalid URL ({method} {path})")


def invalid_method(method, path) -> Rejection:
    return 405, openai_error(f"Invalid method for URL ({method} {path})")


def missing_model() -> Rejection:
    return 400, openai_error("you must provide a model parameter", None, None)


def empty_messages() -> Rejection:
    return 400, openai_error("Invalid 'messages': empty array. Expected an array with minimum "
                             "length 1, but got an empty array instead.", "messages", "empty_array")


def missing_required(param) -> Rejection:
    # 'tools[0].name' for a chat-style tool on /v1/responses: stanfordnlp/dspy#9943.
    return 400, openai_error(f"Missing required parameter: '{param}'.", param,
                             "missing_required_parameter")


def unknown_parameter(param) -> Rejection:
    # openJiuwen-ai/agent-core#768 (the API may add "Did you mean 'store'?"; left out).
    return 400, openai_error(f"Unknown parameter: '{param}'.", param, "unknown_parameter")


def invalid_type(param, expected, got) -> Rejection:
    # The pattern of OpenAI's type errors; the fake's `expected` texts are its own.
    return 400, openai_error(f"Invalid type for '{param}': expected {expected}, but got {got} "
                             "instead.", param, "invalid_type")


def invalid_value(param, value, supported) -> Rejection:
    # input_text in an assistant message: jeremychone/rust-genai#119.
    return 400, openai_error(f"Invalid value: '{value}'. Supported values are: "
                             f"{supported_list(supported)}.", param, "invalid_value")


def integer_below_min(param, minimum, got) -> Rejection:
    # max_output_tokens: UKGovernmentBEIS/inspect_evals#694.
    return 400, openai_error(f"Invalid '{param}': integer below minimum value. Expected a value "
                             f">= {minimum}, but got {got} instead.", param,
                             "integer_below_min_value")


def string_above_max(param, maximum, got) -> Rejection:
    # call_id over 64: AnswerDotAI/fastllm#45; the wording is that of OpenAI's length checks.
    return 400, openai_error(f"Invalid '{param}': string too long. Expected a string with "
                             f"maximum length {maximum}, but got a string with length {got} "
                             "instead.", param, "string_above_max_length")


def stream_options_without_stream() -> Rejection:
    return 400, openai_error("The 'stream_options' parameter is only allowed when 'stream' is "
                             "enabled.", "stream_options", None)


# ---- what a model does not support ----------------------------------------------------

def unsupported_parameter(param) -> Rejection:
    # max_tokens on gpt-5: fish2018/YPrompt#26; top_p: HIllya51/LunaTranslator#1842.
    if param == "max_tokens":
        return 400, openai_error(
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
            "'max_completion_tokens' instead.", "max_tokens", "unsupported_parameter")
    return 400, openai_error(f"Unsupported parameter: '{param}' is not supported with this "
                             "model.", param, "unsupported_parameter")


def only_default(param, value, default) -> Rejection:
    # temperature on gpt-5: BoltAI/BoltAI#373, chatboxai/chatbox#2564.
    return 400, openai_error(f"Unsupported value: '{param}' does not support {json_value(value)} "
                             f"with this model. Only the default ({json_value(default)}) value "
                             "is supported.", param, "unsupported_value")


def unsupported_choice(param, value, supported) -> Rejection:
    # reasoning effort: openai/openai-agents-python#2089, egoist/chatwise-releases#1257.
    return 400, openai_error(f"Unsupported value: '{param}' does not support '{value}' with this "
                             f"model. Supported values are: {supported_list(supported)}.", param,
                             "unsupported_value")


def unsupported_role(index, role) -> Rejection:
    return 400, openai_error(f"Unsupported value: 'messages[{index}].role' does not support "
                             f"'{role}' with this model.", f"messages[{index}].role",
                             "unsupported_value")


def unsupported_stream(o1_wording=False) -> Rejection:
    tail = ("Supported values are: false." if o1_wording
            else "Only the default (false) value is supported.")
    return 400, openai_error(f"Unsupported value: 'stream' does not support true with this model. "
                             f"{tail}", "stream", "unsupported_value")


def tools_with_reasoning(model, or_none=False) -> Rejection:
    # gpt-5.4 and later: pipecat-ai/pipecat#4043, openai/openai-openapi#541; gpt-5.6, which
    # reasons by default, offers effort none instead (BerriAI/litellm PR #34569, GEMISIS/leviath#333).
    tail = ("To use function tools, use /v1/responses or set reasoning_effort to 'none'." if or_none
            else "Please use /v1/responses instead.")
    return 400, openai_error(f"Function tools with reasoning_effort are not supported for {model} "
                             f"in /v1/chat/completions. {tail}", "reasoning_effort", None)


VERIFY_TAIL = ("Please go to: https://platform.openai.com/settings/organization/general and click "
               "on Verify Organization. If you just verified, it can take up to 15 minutes for "
               "access to propagate.")


def unverified_stream() -> Rejection:
    # RooCodeInc/Roo-Code#6868, charmbracelet/crush#422.
    return 400, openai_error("Your organization must be verified to stream this model. "
                             + VERIFY_TAIL, "stream", "unsupported_value")


def unverified_summary() -> Rejection:
    # continuedev/continue#9854.
    return 400, openai_error("Your organization must be verified to generate reasoning "
                             "summaries. " + VERIFY_TAIL, "reasoning.summary", "unsupported_value")


# ---- which model, which endpoint ------------------------------------------------------

def chat_model_not_found(model) -> Rejection:
    return 404, openai_error(f"The model `{model}` does not exist or you do not have access to "
                             "it.", None, "model_not_found")


def responses_model_not_found(model) -> Rejection:
    # As /v1/responses words it (seen in skorokithakis/sysaidmin#9): 400, param "model".
    return 400, openai_error(f"The requested model '{model}' does not exist.", "model",
                             "model_not_found")


def retrieve_model_not_found(model) -> Rejection:
    return 404, openai_error(f"The model '{model}' does not exist", "model", "model_not_found")


# o1-pro: chatboxai/chatbox#2173. gpt-5-pro: egoist/chatwise-releases#1122; codex-mini-latest:
# openai/codex#1346.
NOT_A_CHAT_MODEL = ("This is not a chat model and thus not supported in the v1/chat/completions "
                    "endpoint. Did you mean to use v1/completions?")
ONLY_RESPONSES = "This model is only supported in v1/responses and not in v1/chat/completions."


def not_on_chat(wording) -> Rejection:
    return 404, openai_error(wording, "model", None)


# ---- /v1/responses input pairing --------------------------------------------------------

def call_without_reasoning(item_id, reasoning_id) -> Rejection:
    # mastra-ai/mastra#8738, 0xPlaygrounds/rig#751.
    return 400, openai_error(f"Item '{item_id}' of type 'function_call' was provided without its "
                             f"required 'reasoning' item: '{reasoning_id}'.", "input", None)


def output_without_call(call_id) -> Rejection:
    # Real wording: continuedev/continue#10092, microsoft/vscode#320060.
    return 400, openai_error(f"No tool call found for function call output with call_id "
                             f"{call_id}.", "input", None)


def call_without_output(call_id) -> Rejection:
    # Real wording: anomalyco/opencode#16717 (the message as clients print it).
    return 400, openai_error(f"No tool output found for function call {call_id}.", "input", None)


def message_without_reasoning(item_id, reasoning_id) -> Rejection:
    # continuedev/continue#12620 (gpt-5.5), mastra-ai/mastra#22291. openai/openai-node#1791 quotes
    # another form ("…without its required preceding item of type 'reasoning'"); the fake uses
    # the one that matches the function_call wording above.
    return 400, openai_error(f"Item '{item_id}' of type 'message' was provided without its "
                             f"required 'reasoning' item: '{reasoning_id}'.", "input", None)


# ---- /v1/responses reasoning items, encrypted content, stored state -----------------------

def reasoning_without_following(item_id) -> Rejection:
    # continuedev/continue#8933 and #10428, mastra-ai/mastra#11103, openai/openai-node#1567. The
    # wording for a reasoning item without an id (Codex sends none) is inferred.
    subject = f"Item '{item_id}' of type 'reasoning'" if item_id else "Item of type 'reasoning'"
    return 400, openai_error(f"{subject} was provided without its required following item.",
                             "input", None)


DECRYPT_FAILED = "Encrypted content could not be decrypted or parsed."
ORGANIZATION_MISMATCH = "Encrypted content organization_id did not match the target organization."


def invalid_encrypted_content(item_id, content, reason) -> Rejection:
    # "The encrypted content for item rs_… could not be verified. Reason: Encrypted content could
    # not be decrypted or parsed." (openai/codex#35334, smallmain/vscode-unify-chat-provider#178,
    # Wei-Shaw/sub2api#2863). An item without an id (Codex sends none) is named by its content,
    # abbreviated as the API does: "The encrypted content gAAA...CwHs could not be verified."
    # (openai/codex#8119, #8126, #8132). Another organization's content: the reason
    # ORGANIZATION_MISMATCH (openai/codex#13724).
    if item_id:
        subject = f"for item {item_id}"
    else:
        text = content if isinstance(content, str) else str(content)
        subject = f"{text[:4]}...{text[-4:]}" if len(text) > 8 else text
    return 400, openai_error(f"The encrypted content {subject} could not be verified. Reason: "
                             f"{reason}", None, "invalid_encrypted_content")


def item_not_persisted(item_id) -> Rejection:
    # A 404 (can1357/oh-my-pi#41, cline/cline#9399, anomalyco/opencode#7724 and #8987; the body
    # as clients recorded it, with param "input").
    return 404, openai_error(f"Item with id '{item_id}' not found. Items are not persisted when "
                             "`store` is set to false. Try again with `store` set to true, or "
                             "remove this item from your input.", "input", None)


def previous_response_not_found(response_id) -> Rejection:
    # previous_response_id naming a response made with store:false (cline/cline#10479,
    # bigduu/Bamboo-agent#64; the message as clients quote it).
    return 400, openai_error(f"Previous response with id '{response_id}' not found.",
                             "previous_response_id", "previous_response_not_found")


def encrypted_content_unsupported() -> Rejection:
    # include reasoning.encrypted_content for a model that does not reason: pydantic/pydantic-ai
    # #3326 (gpt-5-chat-latest), NousResearch/hermes-agent#23450 (gpt-4o-mini),
    # microsoft/agent-framework#7483 (gpt-4.1 on Azure).
    return 400, openai_error("Encrypted content is not supported with this model.", "include",
                             None)


# ---- faults -----------------------------------------------------------------------------

def server_error() -> Rejection:
    return 500, openai_error("The server had an error while processing your request. Sorry about "
                             "that!", None, None, "server_error")


def rate_limited() -> Rejection:
    return 429, openai_error("Rate limit reached for o1-mini in organization org-fake on requests "
                             "per min (RPM): Limit 500, Used 500, Requested 1. Please try again in "
                             "120ms.", None, "rate_limit_exceeded", "requests")


HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
            b"</body>\r\n</html>\r\n")


# ---- Azure OpenAI: its own envelope {"error": {"code", "message"}} ------------------------

def azure_error(code, message) -> dict:
    return {"error": {"code": code, "message": message}}


def azure_access_denied() -> Rejection:
    # The 401 and the DeploymentNotFound 404 as Azure clients commonly report them.
    return 401, azure_error("401", "Access denied due to invalid subscription key or wrong API "
                            "endpoint. Make sure to provide a valid key for an active subscription "
                            "and use a correct regional API endpoint for your resource.")


def azure_deployment_not_found() -> Rejection:
    return 404, azure_error("DeploymentNotFound", "The API deployment for this resource does not "
                            "exist. If you created the deployment within the last 5 minutes, "
                            "please wait a moment and try again.")


def azure_operation_not_supported(model, operation="chatCompletion") -> Rejection:
    # Azure's answer for a Responses-only model on chat completions: a 400, not OpenAI's 404
    # (egoist/chatwise-releases#942 for o3-pro, vanna-ai/vanna#967 for gpt-5-codex,
    # langgenius/dify-official-plugins#2359 for gpt-5.1-codex-max). The same sentence names the
    # "completion" and "embeddings" operations (langchain-ai/langchainjs#2633,
    # run-llama/llama_index#6436); for a deployment without the Responses API it is inferred.
    return 400, azure_error("OperationNotSupported", f"The {operation} operation does not work "
                            f"with the specified model, {model}. Please choose different model and "
                            "try again. You can learn more about which models can be used with "
                            "each operation here: https://go.microsoft.com/fwlink/?linkid=2197993.")


def azure_not_found() -> Rejection:
    return 404, azure_error("404", "Resource not found")
