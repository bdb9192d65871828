package io.voidbox.agent.claude.internal;

import io.voidbox.Usage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scratch holder for the fields of one stream-json line, reused from line to line by
 * {@link LineDecoder} so that lines we skip (partial-message deltas, status lines) allocate almost
 * nothing. Only the fields of the line's {@link Kind} are meaningful after decoding.
 */
final class DecodedLine {

    enum Kind {
        SYSTEM,
        ASSISTANT,
        USER,
        RESULT,
        STREAM_EVENT,
        OTHER
    }

    enum BlockType {
        TEXT,
        THINKING,
        TOOL_USE,
        TOOL_RESULT,
        OTHER
    }

    /** One entry of a result line's {@code permission_denials}. */
    record Denial(String toolName, String toolUseId) {}

    /** One content block; instances are pooled in {@link #blocks} and reset, not reallocated. */
    static final class Block {
        BlockType type;
        String text;
        String id;
        String name;
        String inputJson;
        boolean isError;
        boolean seenType;

        void reset() {
            type = BlockType.OTHER;
            text = null;
            id = null;
            name = null;
            inputJson = null;
            isError = false;
            seenType = false;
        }
    }

    Kind kind;
    String subtype;
    String sessionId;
    String parentToolUseId;
    // system/init
    String model;
    String cwd;
    List<String> tools;
    String claudeCodeVersion;
    String permissionMode;
    // system: api_retry, permission_denied, task_started, task_notification
    Integer attempt;
    Integer maxRetries;
    long retryDelayMs;
    Integer errorStatus;
    String systemMessage;
    String toolName;
    String toolUseId;
    String taskId;
    String description;
    String subagentType;
    Boolean backgrounded;
    String status;
    long taskTotalTokens;
    int taskToolUses;
    long taskDurationMs;
    // assistant / user
    boolean hasMessage;
    String messageId;
    String messageModel;
    String error;
    Usage.Tokens messageUsage;
    private final ArrayList<Block> blocks = new ArrayList<>();
    int blockCount;
    // result
    boolean isError;
    Integer apiErrorStatus;
    long durationMs;
    long durationApiMs;
    int numTurns;
    String resultText;
    Double totalCostUsd;
    Usage.Tokens usage;
    Map<String, ModelUsage> modelUsage;
    List<String> errors;
    Integer resultIndex;
    Map<String, ModelUsage> sinceLastResult;
    List<Denial> denials;
    String terminalReason;

    void reset() {
        kind = null;
        subtype = null;
        sessionId = null;
        parentToolUseId = null;
        model = null;
        cwd = null;
        tools = null;
        claudeCodeVersion = null;
        permissionMode = null;
        attempt = null;
        maxRetries = null;
        retryDelayMs = 0;
        errorStatus = null;
        systemMessage = null;
        toolName = null;
        toolUseId = null;
        taskId = null;
        description = null;
        subagentType = null;
        backgrounded = null;
        status = null;
        taskTotalTokens = 0;
        taskToolUses = 0;
        taskDurationMs = 0;
        hasMessage = false;
        messageId = null;
        messageModel = null;
        error = null;
        messageUsage = null;
        blockCount = 0;
        isError = false;
        apiErrorStatus = null;
        durationMs = 0;
        durationApiMs = 0;
        numTurns = 0;
        resultText = null;
        totalCostUsd = null;
        usage = null;
        modelUsage = null;
        errors = null;
        resultIndex = null;
        sinceLastResult = null;
        denials = null;
        terminalReason = null;
    }

    Block newBlock() {
        if (blockCount == blocks.size()) {
            blocks.add(new Block());
        }
        Block b = blocks.get(blockCount++);
        b.reset();
        return b;
    }

    Block block(int i) {
        return blocks.get(i);
    }

    Map<String, ModelUsage> modelUsageOrEmpty() {
        return modelUsage == null ? Map.of() : modelUsage;
    }

    static Map<String, ModelUsage> newModelUsage() {
        return new LinkedHashMap<>();
    }
}
