package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.voidbox.sandbox.namespace.NamespaceSandboxProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fan-out example through the real CLI on the namespace backend (real Claude Code, scripted
 * model): every box runs there and nothing warns about isolation; the same example asked for on
 * {@code local} warns once. Skipped with the reason where bubblewrap or user namespaces are missing.
 */
class NamespaceBackendCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private List<JsonNode> run(String backend) throws IOException {
        Path events = tmp.resolve(backend + ".jsonl");
        int exit = VoidboxCommand.execute(
                "run",
                "--file",
                ExamplesEndToEndTest.examples().resolve("fan-out/pipeline.yaml").toString(),
                "--events",
                events.toString(),
                "--backend",
                backend);
        assertThat(exit).isZero();
        List<JsonNode> list = new ArrayList<>();
        for (String line : Files.readAllLines(events)) list.add(JSON.readTree(line));
        return list;
    }

    private static List<String> isolationWarnings(List<JsonNode> events) {
        return events.stream()
                .filter(e -> e.path("type").asText().equals("log"))
                .map(e -> e.path("line").asText())
                .filter(l -> l.startsWith("WARNING: backend local"))
                .toList();
    }

    @Test
    void theFanOutExampleRunsOnNamespaceAndOnlyLocalWarns() throws IOException {
        Optional<String> why =
                new NamespaceSandboxProvider(() -> Path.of("/usr/bin/true"), System.getenv()).unavailableReason();
        assumeTrue(why.isEmpty(), () -> "namespace sandbox unavailable here: " + why.orElse(""));
        List<JsonNode> namespace = run("namespace");
        assertThat(namespace.getLast().path("type").asText()).isEqualTo("run.completed");
        assertThat(namespace.stream().filter(e -> e.path("type").asText().equals("stage.completed")))
                .hasSize(5)
                .allSatisfy(e -> assertThat(e.path("backend").asText()).isEqualTo("namespace"));
        assertThat(isolationWarnings(namespace)).isEmpty();

        assertThat(isolationWarnings(run("local"))).hasSize(1);
    }
}
