package io.voidbox.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Shows a saved run as the span tree a tracing backend would show
 * ({@code pipeline:} > {@code stage:} > {@code claude.exec} > {@code claude.tool.*}), so users
 * without a collector still see the shape, timing and cost of a run.
 */
@Command(name = "trace", description = "Print a saved run (voidbox run --events FILE) as an indented span tree.")
final class TraceCommand implements Callable<Integer> {
    @Option(
            names = {"-e", "--events"},
            required = true,
            description = "JSON Lines events file.")
    Path events;

    /** A node of the tree: name, start/end, a detail suffix and children in start order. */
    static final class Span {
        final String name;
        Instant start;
        Instant end;
        String detail = "";
        boolean error;
        final List<Span> children = new ArrayList<>();

        Span(String name, Instant start) {
            this.name = name;
            this.start = start;
        }
    }

    @Override
    public Integer call() {
        List<JsonNode> lines = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        int n = 0;
        try (BufferedReader r = Files.newBufferedReader(events)) {
            for (String line; (line = r.readLine()) != null; ) {
                n++;
                if (line.isBlank()) continue;
                try {
                    lines.add(json.readTree(line));
                } catch (JsonProcessingException e) {
                    System.err.println(events + ":" + n + ": skipped, not a JSON event: " + e.getOriginalMessage());
                }
            }
        } catch (IOException e) {
            System.err.println("voidbox: cannot read " + events + ": " + e.getMessage());
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
        List<Span> roots = build(lines);
        if (roots.isEmpty()) {
            System.err.println(events + ": no run.started event found");
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
        roots.forEach(root -> print(root, 0, System.out));
        return VoidboxCommand.EXIT_OK;
    }

    static List<Span> build(List<JsonNode> events) {
        List<Span> roots = new ArrayList<>();
        Span pipeline = null;
        String stagePrefix = "stage:";
        Map<String, Span> stages = new LinkedHashMap<>();
        Map<String, Span> execs = new LinkedHashMap<>();
        Map<String, Span> tools = new LinkedHashMap<>();
        for (JsonNode e : events) {
            Instant ts = Instant.parse(e.path("ts").asText());
            String box = e.path("box").asText();
            switch (e.path("type").asText()) {
                case "run.started" -> {
                    // a workflow's spans are workflow:<name> > step:<step>
                    String kind = e.path("kind").asText("pipeline");
                    stagePrefix = kind.equals("workflow") ? "step:" : "stage:";
                    pipeline = new Span(kind + ":" + e.path("pipeline").asText(), ts);
                    roots.add(pipeline);
                    stages.clear();
                    execs.clear();
                    tools.clear();
                }
                case "run.completed", "run.failed" -> {
                    if (pipeline == null) break;
                    pipeline.end = ts;
                    pipeline.error = e.path("type").asText().equals("run.failed");
                    pipeline.detail = usage(e)
                            + (pipeline.error ? "  ERROR " + e.path("error").asText() : "");
                }
                case "stage.started" -> {
                    if (pipeline == null) break;
                    Span s = new Span(stagePrefix + box, ts);
                    stages.put(box, s);
                    pipeline.children.add(s);
                }
                case "stage.completed", "stage.failed" -> {
                    Span s = stages.get(box);
                    if (s == null) break;
                    s.end = ts;
                    s.error = e.path("type").asText().equals("stage.failed");
                    String backend = e.path("backend").asText("")
                            + (e.hasNonNull("accel") ? "/" + e.path("accel").asText() : "");
                    s.detail = usage(e) + "  tools " + e.path("tool_calls").asInt() + "  [" + backend + "]"
                            + (s.error ? "  ERROR " + e.path("error").asText() : "");
                }
                case "agent.started" -> {
                    Span parent = stages.get(box);
                    if (parent == null) break;
                    Span x = new Span(e.path("agent").asText("claude") + ".exec", ts);
                    execs.put(box, x);
                    parent.children.add(x);
                }
                case "agent.result" -> {
                    Span x = execs.get(box);
                    if (x == null) break;
                    x.end = ts;
                    x.error = e.path("is_error").asBoolean();
                    x.detail = "model " + e.path("model").asText() + "  turns "
                            + e.path("num_turns").asInt() + "  " + usage(e);
                }
                case "agent.tool_call" -> {
                    Span x = execs.get(box);
                    if (x == null) break;
                    String agent = x.name.substring(0, x.name.indexOf('.'));
                    Span t = new Span(agent + ".tool." + e.path("tool").asText(), ts);
                    String parentId = e.path("parent_tool_use_id").asText("");
                    Span parent = tools.getOrDefault(box + "/" + parentId, x);
                    parent.children.add(t);
                    tools.put(box + "/" + e.path("tool_use_id").asText(), t);
                }
                case "agent.tool_result" -> {
                    Span t = tools.get(box + "/" + e.path("tool_use_id").asText());
                    if (t == null) break;
                    t.end = ts;
                    t.error = e.path("is_error").asBoolean();
                    if (t.error) t.detail = "ERROR";
                }
                default -> {}
            }
        }
        return roots;
    }

    private static String usage(JsonNode e) {
        return String.format(
                Locale.ROOT,
                "tokens %d/%d  $%.4f",
                e.path("input_tokens").asLong(),
                e.path("output_tokens").asLong(),
                e.path("cost_usd").asDouble());
    }

    static void print(Span s, int depth, PrintStream out) {
        String dur =
                s.end == null ? "(unfinished)" : ConsoleReporter.secs(s.end.toEpochMilli() - s.start.toEpochMilli());
        out.printf(Locale.ROOT, "%-48s %10s  %s%n", "  ".repeat(depth) + s.name, dur, s.detail);
        s.children.sort(Comparator.comparing(c -> c.start));
        for (Span c : s.children) print(c, depth + 1, out);
    }
}
