package io.voidbox.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.voidbox.agent.claude.internal.ClaudeRunSummary;
import io.voidbox.agent.claude.internal.StreamJsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput and allocation of the live stream-json parser on the real Claude Code 2.1.197 samples.
 * One operation parses one whole stream (a fresh parser per run, as in production): the sample(s)
 * repeated {@code repeat} times with ids made unique per repetition so tool calls still match.
 *
 * <p>The {@code bytes} and {@code lines} aux counters are rates: {@code bytes} ops/s is bytes/s, so
 * MB/s = bytes / 1e6. Allocation per line = {@code gc.alloc.rate.norm} (per op) / lines per op,
 * which the setup prints. Baselines: {@code jacksonReadTree} (what a JsonNode-based parser pays at
 * least) and {@code jacksonSkipTokens} (tokenizing every line and nothing else).
 *
 * <pre>java -jar bench/target/benchmarks.jar StreamJsonParser -f 1 -wi 2 -i 3 -w 2s -r 2s -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StreamJsonParserBenchmark {

    private static final String[] ALL = {
        "claude_2.1.197_stream_bash.jsonl",
        "claude_2.1.197_stream_partial_messages.jsonl",
        "claude_2.1.197_stream_api_error_400.jsonl"
    };

    @Param({"all", "bash", "partial_messages"})
    public String sample;

    @Param({"20"})
    public int repeat;

    private String[] lines;
    private long bytesPerOp;
    private final ObjectMapper mapper = new ObjectMapper();
    private final JsonFactory factory = new JsonFactory();

    /** Counters reported by JMH as rates per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long bytes;
        public long lines;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
            lines = 0;
        }
    }

    @Setup
    public void load() {
        List<String> files =
                sample.equals("all") ? List.of(ALL) : List.of("claude_2.1.197_stream_" + sample + ".jsonl");
        List<String> out = new ArrayList<>();
        long bytes = 0;
        for (int r = 0; r < repeat; r++) {
            for (String f : files) {
                for (String line : read(f)) {
                    String unique = line.replace("\"id\":\"", "\"id\":\"r" + r + "_")
                            .replace("\"tool_use_id\":\"", "\"tool_use_id\":\"r" + r + "_");
                    out.add(unique);
                    bytes += unique.getBytes(StandardCharsets.UTF_8).length + 1;
                }
            }
        }
        lines = out.toArray(String[]::new);
        bytesPerOp = bytes;
        // Sanity: the stream parses without warnings, so we measure the normal path.
        ClaudeRunSummary.Accumulator acc = ClaudeRunSummary.accumulator();
        StreamJsonParser check = new StreamJsonParser(acc);
        for (String l : lines) {
            check.accept(l);
        }
        check.finish();
        ClaudeRunSummary s = acc.summary();
        if (s.warnings() != 0 || !s.hasResult()) {
            throw new IllegalStateException("benchmark stream does not parse cleanly: " + s);
        }
        System.out.printf(
                "%n[stream] sample=%s repeat=%d: %d lines, %d bytes per op, %d tool calls%n",
                sample, repeat, lines.length, bytesPerOp, s.usage().toolCalls());
    }

    @Benchmark
    public void streamJsonParser(Counters c, Blackhole bh) {
        StreamJsonParser p = new StreamJsonParser(bh::consume, System::nanoTime);
        for (String line : lines) {
            p.accept(line);
        }
        p.finish();
        c.bytes += bytesPerOp;
        c.lines += lines.length;
    }

    @Benchmark
    public void jacksonReadTree(Counters c, Blackhole bh) throws IOException {
        for (String line : lines) {
            bh.consume(mapper.readTree(line));
        }
        c.bytes += bytesPerOp;
        c.lines += lines.length;
    }

    @Benchmark
    public void jacksonSkipTokens(Counters c, Blackhole bh) throws IOException {
        for (String line : lines) {
            try (JsonParser p = factory.createParser(line)) {
                p.nextToken();
                p.skipChildren();
                bh.consume(p.currentToken());
            }
        }
        c.bytes += bytesPerOp;
        c.lines += lines.length;
    }

    private static List<String> read(String name) {
        try (InputStream in = StreamJsonParserBenchmark.class.getResourceAsStream("/samples/claude-code/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource /samples/claude-code/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
