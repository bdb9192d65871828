package io.voidbox.agent.codex.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The parser and the run summary on real {@code codex exec --json} transcripts (see the README next to them). */
class CodexJsonlParserSamplesTest {

    /** What one transcript gave: every event, and the summary built from them. */
    private record Parsed(List<CodexEvent> events, CodexRunSummary summary) {
        <T extends CodexEvent> List<T> of(Class<T> type) {
            return events.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    private static Parsed parse(String sample) {
        List<CodexEvent> events = new ArrayList<>();
        CodexRunSummary summary = new CodexRunSummary();
        long[] now = {0};
        CodexJsonlParser parser = new CodexJsonlParser(
                e -> {
                    events.add(e);
                    summary.accept(e);
                },
                () -> now[0] += 250_000_000L); // every clock read is 250 ms later
        lines(sample).forEach(parser::accept);
        parser.finish();
        return new Parsed(events, summary);
    }

    private static List<String> lines(String name) {
        try (InputStream in = CodexJsonlParserSamplesTest.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing test resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void toolItemsBecomeTimedToolCallsNamedByTheirKind() {
        Parsed p = parse("codex_0.171.0_exec_tools.jsonl");

        assertThat(p.of(CodexEvent.ParseWarning.class)).isEmpty();
        assertThat(p.of(CodexEvent.ToolStarted.class))
                .extracting(CodexEvent.ToolStarted::itemId, CodexEvent.ToolStarted::kind)
                .containsExactly(
                        tuple("item_1", "command_execution"),
                        tuple("item_2", "file_change"),
                        tuple("item_3", "command_execution"));
        List<CodexEvent.ToolCompleted> done = p.of(CodexEvent.ToolCompleted.class);
        assertThat(done).extracting(CodexEvent.ToolCompleted::itemId).containsExactly("item_1", "item_2", "item_3");
        assertThat(done).allSatisfy(t -> {
            assertThat(t.started()).isTrue();
            assertThat(t.durationMs()).isEqualTo(250);
        });
        assertThat(done.get(0).input())
                .startsWith("/bin/bash -lc 'echo hello > ")
                .endsWith("/out.txt'");
        assertThat(done.get(0).output()).isEqualTo("hello\n");
        assertThat(done.get(0).isError()).isFalse();
        assertThat(done.get(1).input()).contains("\"kind\":\"add\"").contains("notes.md");
        assertThat(done.get(1).output()).startsWith("add /").endsWith("/notes.md");
        assertThat(done.get(1).isError()).isFalse();
        assertThat(done.get(2).input()).isEqualTo("/bin/bash -lc 'cat notes.md; exit 3'");
        assertThat(done.get(2).output()).isEqualTo("# Notes\npatched\n");
        assertThat(done.get(2).isError()).as("exit code 3, status failed").isTrue();
        assertThat(p.of(CodexEvent.AgentMessage.class))
                .extracting(CodexEvent.AgentMessage::text)
                .containsExactly("I'll look around.", "Done.");

        CodexRunSummary s = p.summary();
        assertThat(s.threadId()).isEqualTo("01a21e39-9091-7471-8d5e-dd9d2cc63a20");
        assertThat(s.resultText()).isEqualTo("Done.");
        assertThat(s.completed()).isTrue();
        assertThat(s.error()).isEmpty();
        assertThat(s.tokens()).isEqualTo(new CodexTokens(5400, 400, 0, 160, 0));
        var usage = s.usage("gpt-5");
        assertThat(usage.tokens().inputTokens()).as("uncached input").isEqualTo(5000);
        assertThat(usage.tokens().cacheReadTokens()).isEqualTo(400);
        assertThat(usage.outputTokens()).isEqualTo(160);
        assertThat(usage.numTurns()).isEqualTo(1);
        assertThat(usage.toolCalls()).isEqualTo(3);
        assertThat(usage.toolsUsed()).containsExactly("command_execution", "file_change");
        assertThat(usage.costUsd()).isCloseTo((5000 * 1.25 + 400 * 0.125 + 160 * 10.0) / 1e6, within(1e-12));
        assertThat(usage.estimated()).isTrue();
        assertThat(usage.model()).isEqualTo("gpt-5");
    }

    @Test
    void anErrorItemIsAWarningAndTheRunStillSucceeds() {
        for (String sample : List.of("codex_0.169.0_exec_json.jsonl", "codex_0.171.0_exec_unknown_model.jsonl")) {
            Parsed p = parse(sample);

            assertThat(p.of(CodexEvent.ItemError.class))
                    .as(sample)
                    .singleElement()
                    .satisfies(e -> assertThat(e.message()).startsWith("Model metadata for `"));
            assertThat(p.summary().warnings()).as(sample).hasSize(1);
            assertThat(p.summary().error()).as(sample).isEmpty();
            assertThat(p.summary().completed()).as(sample).isTrue();
            assertThat(p.of(CodexEvent.ParseWarning.class)).as(sample).isEmpty();
        }
        Parsed older = parse("codex_0.169.0_exec_json.jsonl");
        assertThat(older.summary().tokens()).isEqualTo(new CodexTokens(2200, 1400, 0, 130, 20));
        assertThat(older.summary().resultText()).isEqualTo("Done: wrote hi to out_codex.txt.");
        assertThat(older.of(CodexEvent.ToolCompleted.class))
                .singleElement()
                .satisfies(t -> assertThat(t.output()).isEqualTo("hi\n"));
    }

    @Test
    void aBadRequestFailsTheTurnWithTheJsonBodyReadOutOfTheMessage() {
        Parsed p = parse("codex_0.171.0_exec_http400.jsonl");

        CodexError error = p.summary().error().orElseThrow();
        assertThat(error.message()).isEqualTo("scripted bad request: tools[3] is invalid");
        assertThat(error.type()).contains("invalid_request_error");
        assertThat(error.raw()).startsWith("{\"error\":");
        assertThat(error.describe()).isEqualTo("invalid_request_error: scripted bad request: tools[3] is invalid");
        assertThat(p.of(CodexEvent.TurnFailed.class)).hasSize(1);
        assertThat(p.summary().completed()).isFalse();
        assertThat(p.summary().usage("gpt-5").numTurns()).isEqualTo(1);
    }

    @Test
    void retriedErrorsAreWarningsUntilOneFailsTheTurnWithItsHttpStatus() {
        Parsed unauthorized = parse("codex_0.171.0_exec_http401.jsonl");
        Parsed limited = parse("codex_0.171.0_exec_http429.jsonl");

        assertThat(unauthorized.of(CodexEvent.StreamError.class))
                .hasSize(4)
                .allSatisfy(e -> assertThat(e.error().httpStatus()).isEqualTo(OptionalInt.of(401)));
        assertThat(unauthorized.summary().error().orElseThrow().describe())
                .startsWith("unexpected status 401 Unauthorized: Incorrect API key provided");
        assertThat(limited.summary().error().orElseThrow().httpStatus()).isEqualTo(OptionalInt.of(429));
        assertThat(limited.summary().error().orElseThrow().message())
                .isEqualTo("exceeded retry limit, last status: 429 Too Many Requests");
    }

    @Test
    void aRetriedServerErrorThatRecoversIsNoFailure() {
        Parsed p = parse("codex_0.171.0_exec_retry500.jsonl");

        assertThat(p.summary().error()).isEmpty();
        assertThat(p.summary().completed()).isTrue();
        assertThat(p.summary().resultText()).isEqualTo("Recovered.");
        assertThat(p.summary().tokens().inputTokens()).isEqualTo(700);
    }
}
