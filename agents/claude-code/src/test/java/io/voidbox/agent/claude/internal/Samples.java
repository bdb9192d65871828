package io.voidbox.agent.claude.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The real Claude Code stream-json samples, as test resources next to this class. */
final class Samples {

    static final String BASH = "claude_2.1.197_stream_bash.jsonl";
    static final String PARTIAL = "claude_2.1.197_stream_partial_messages.jsonl";
    static final String API_ERROR = "claude_2.1.197_stream_api_error_400.jsonl";
    // Recorded with the real CLIs against the scripted model (scenarios in the test's comments),
    // workspace and home paths replaced by /workspace and /home/box.
    static final String BACKGROUND_332 = "claude_2.1.332_stream_background_subagent.jsonl";
    static final String BACKGROUND_197 = "claude_2.1.197_stream_background_subagent.jsonl";
    static final String DENIED_332 = "claude_2.1.332_stream_permission_denied.jsonl";
    static final String DENIED_197 = "claude_2.1.197_stream_permission_denied.jsonl";
    static final String API_500_RETRIED_332 = "claude_2.1.332_stream_api_error_500_retried.jsonl";
    static final String MAX_BUDGET_332 = "claude_2.1.332_stream_max_budget.jsonl";
    static final String MAX_TURNS_332 = "claude_2.1.332_stream_max_turns.jsonl";
    static final String KILLED_332 = "claude_2.1.332_stream_killed.jsonl";

    private Samples() {}

    static List<String> lines(String name) {
        try (InputStream in = Samples.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
