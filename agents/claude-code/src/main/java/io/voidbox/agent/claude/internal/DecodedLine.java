package io.voidbox.agent.claude.internal;

import io.voidbox.Usage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields of one stream-json line, filled by {@link LineDecoder} (a fresh one per line it parses;
 * the partial-message deltas it skips by their prefix share one). Only the fields of the line's
 * {@link Kind} are meaningful after decoding.
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

    /** One content block. */
    static final class Block {
        BlockType type = BlockType.OTHER;
        String text;
        String id;
        String name;
        String inputJson;
        boolean isError;
        boolean seenType;
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
    final List<Block> blocks = new ArrayList<>();
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

    Block newBlock() {
        Block b = new Block();
        blocks.add(b);
        return b;
    }

    Map<String, ModelUsage> modelUsageOrEmpty() {
        return modelUsage == null ? Map.of() : modelUsage;
    }

    static Map<String, ModelUsage> newModelUsage() {
        return new LinkedHashMap<>();
    }
}
