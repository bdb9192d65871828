package io.voidbox.internal.otel;

import io.opentelemetry.api.common.AttributeKey;

/**
 * Attribute keys of the observability contract ({@code docs/observability.md}, sections 2
 * and 3). Kept as typed keys so a token count can never be exported as a string by accident.
 */
final class Keys {
    private Keys() {}

    /**
     * Deprecated in the GenAI conventions in favour of {@code gen_ai.provider.name}; the contract
     * still sets both, for dashboards written against the older name. The other standard keys
     * come from {@code opentelemetry-semconv}.
     */
    static final AttributeKey<String> GEN_AI_SYSTEM = AttributeKey.stringKey("gen_ai.system");

    // Agent (claude.* for both agents: dashboards query one set of keys)
    static final AttributeKey<Double> CLAUDE_TOTAL_COST_USD = AttributeKey.doubleKey("claude.total_cost_usd");
    static final AttributeKey<Long> CLAUDE_TOOLS_COUNT = AttributeKey.longKey("claude.tools_count");
    static final AttributeKey<String> CLAUDE_TOOLS_USED = AttributeKey.stringKey("claude.tools_used");
    static final AttributeKey<Long> CLAUDE_NUM_TURNS = AttributeKey.longKey("claude.num_turns");
    static final AttributeKey<Long> CLAUDE_DURATION_MS = AttributeKey.longKey("claude.duration_ms");
    static final AttributeKey<Long> CLAUDE_DURATION_API_MS = AttributeKey.longKey("claude.duration_api_ms");
    static final AttributeKey<Long> CLAUDE_PERMISSION_DENIALS = AttributeKey.longKey("claude.permission_denials");
    static final AttributeKey<String> SUBAGENT_TASK_ID = AttributeKey.stringKey("claude.subagent.task_id");
    static final AttributeKey<String> SUBAGENT_TYPE = AttributeKey.stringKey("claude.subagent.type");
    static final AttributeKey<String> SUBAGENT_DESCRIPTION = AttributeKey.stringKey("claude.subagent.description");
    static final AttributeKey<String> SUBAGENT_STATUS = AttributeKey.stringKey("claude.subagent.status");
    static final AttributeKey<Long> SUBAGENT_TOTAL_TOKENS = AttributeKey.longKey("claude.subagent.total_tokens");
    static final AttributeKey<Long> RETRY_ATTEMPT = AttributeKey.longKey("retry.attempt");
    static final AttributeKey<Long> RETRY_MAX = AttributeKey.longKey("retry.max_retries");
    static final AttributeKey<Long> RETRY_DELAY_MS = AttributeKey.longKey("retry.delay_ms");

    // Tools
    static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("tool.name");
    static final AttributeKey<String> TOOL_USE_ID = AttributeKey.stringKey("tool.use_id");
    static final AttributeKey<String> TOOL_PARENT_USE_ID = AttributeKey.stringKey("tool.parent_use_id");
    static final AttributeKey<String> TOOL_INPUT = AttributeKey.stringKey("tool.input");
    static final AttributeKey<String> TOOL_OUTPUT = AttributeKey.stringKey("tool.output");
    static final AttributeKey<Boolean> TOOL_INPUT_TRUNCATED = AttributeKey.booleanKey("tool.input.truncated");
    static final AttributeKey<Boolean> TOOL_OUTPUT_TRUNCATED = AttributeKey.booleanKey("tool.output.truncated");
    static final AttributeKey<String> TOOL_STATUS = AttributeKey.stringKey("tool.status");
    static final AttributeKey<Boolean> TOOL_PERMISSION_DENIED = AttributeKey.booleanKey("tool.permission_denied");

    // VoidBox
    static final AttributeKey<String> VOIDBOX_BOX = AttributeKey.stringKey("voidbox.box");
    static final AttributeKey<String> VOIDBOX_STAGE = AttributeKey.stringKey("voidbox.stage");
    static final AttributeKey<String> VOIDBOX_BACKEND = AttributeKey.stringKey("voidbox.backend");
    static final AttributeKey<String> VOIDBOX_ACCEL = AttributeKey.stringKey("voidbox.accel");
    /** From {@code box.ready} of a VM box: true when it was restored from a snapshot instead of booted. */
    static final AttributeKey<Boolean> VOIDBOX_RESTORED = AttributeKey.booleanKey("voidbox.restored");

    static final AttributeKey<String> VOIDBOX_PIPELINE = AttributeKey.stringKey("voidbox.pipeline");
    static final AttributeKey<String> VOIDBOX_RUN_ID = AttributeKey.stringKey("voidbox.run_id");
    static final AttributeKey<Boolean> VOIDBOX_USAGE_ESTIMATED = AttributeKey.booleanKey("voidbox.usage_estimated");
    /** Input tokens (cache included) the credential proxy counted in the model's responses. */
    static final AttributeKey<Long> VOIDBOX_USAGE_HOST_INPUT_TOKENS =
            AttributeKey.longKey("voidbox.usage.host_input_tokens");
    /** Output tokens the credential proxy counted. */
    static final AttributeKey<Long> VOIDBOX_USAGE_HOST_OUTPUT_TOKENS =
            AttributeKey.longKey("voidbox.usage.host_output_tokens");
    /** True when the agent's reported tokens differ from the host's count. */
    static final AttributeKey<Boolean> VOIDBOX_USAGE_MISMATCH = AttributeKey.booleanKey("voidbox.usage.mismatch");

    static final AttributeKey<String> VOIDBOX_REASON = AttributeKey.stringKey("voidbox.reason");

    // Metric attributes (section 3)
    static final AttributeKey<String> STAGE = AttributeKey.stringKey("stage");
    static final AttributeKey<String> PIPELINE = AttributeKey.stringKey("pipeline");
    static final AttributeKey<String> VM = AttributeKey.stringKey("vm");
    static final AttributeKey<String> VM_CID = AttributeKey.stringKey("vm_cid");
    static final AttributeKey<Long> PID = AttributeKey.longKey("pid");
    static final AttributeKey<String> COMM = AttributeKey.stringKey("comm");

    /** Contract limit for {@code tool.input} / {@code tool.output}. */
    static final int MAX_TOOL_TEXT = 2000;
}
