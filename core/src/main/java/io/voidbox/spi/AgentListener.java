package io.voidbox.spi;

/** Live callbacks while an agent runs; the engine turns them into run events. */
public interface AgentListener {
    void started(String model);

    void toolCall(String tool, String toolUseId, String input, String parentToolUseId);

    void toolResult(String tool, String toolUseId, boolean isError, long durationMs, String output, String parentToolUseId);

    /** A raw output line of the agent process ({@code stdout}/{@code stderr}) worth logging. */
    void line(String stream, String line);

    /** Something the user should see once (garbage line in the stream, ...). */
    void warning(String message);
}
