package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes are part of the CLI's contract: 0 ok, 1 failed run, 2 bad input. */
class CliExitCodesTest {
    @TempDir
    Path dir;

    @Test
    void validExampleValidatesWithZero() {
        assertThat(VoidboxCommand.execute(
                        "validate",
                        "--file",
                        ExamplesEndToEndTest.examples()
                                .resolve("fan-out/pipeline.yaml")
                                .toString()))
                .isZero();
    }

    @Test
    void malformedSpecIsBadInputForValidateAndRun() throws IOException {
        Path spec = Files.writeString(
                dir.resolve("bad.yaml"),
                "api_version: v1\nkind: pipeline\nname: x\npipeline:\n  boxes:\n    - prompt: hi\n");
        assertThat(VoidboxCommand.execute("validate", "--file", spec.toString()))
                .isEqualTo(2);
        assertThat(VoidboxCommand.execute("run", "--file", spec.toString())).isEqualTo(2);
        assertThat(VoidboxCommand.execute(
                        "run", "--file", dir.resolve("missing.yaml").toString()))
                .isEqualTo(2);
    }

    @Test
    void helpOnASubcommandPrintsItsUsageAndExitsWithZero() {
        for (String command : new String[] {"run", "validate", "snapshot", "image"}) {
            CliRun r = CliRun.of(System.getenv(), command, "--help");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).startsWith("Usage: voidbox " + command);
        }
        for (String sub : new String[] {"list", "clean"}) {
            CliRun r = CliRun.of(System.getenv(), "snapshot", sub, "--help");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).startsWith("Usage: voidbox snapshot " + sub);
        }
    }

    @Test
    void unknownOptionsAndBackendsAreBadInput() {
        assertThat(VoidboxCommand.execute("run", "--nope")).isEqualTo(2);
        assertThat(VoidboxCommand.execute("run", "--file", "x.yaml", "--backend", "cloud"))
                .isEqualTo(2);
    }

    @Test
    void aRunWhoseAgentFailsExitsWithOne() throws IOException {
        Files.writeString(dir.resolve("fail.yaml"), """
                turns:
                  - error: {status: 400, type: invalid_request_error, message: "scripted bad request"}
                """);
        Path spec = Files.writeString(dir.resolve("agent.yaml"), """
                api_version: v1
                kind: agent
                name: failing
                sandbox: {backend: local}
                llm: {provider: scripted, scenario: fail.yaml}
                agent: {prompt: "fail please", timeout_secs: 120}
                """);
        assertThat(VoidboxCommand.execute(
                        "run",
                        "--file",
                        spec.toString(),
                        "--events",
                        dir.resolve("e.jsonl").toString()))
                .isEqualTo(1);
        assertThat(Files.readString(dir.resolve("e.jsonl")))
                .contains("\"type\":\"run.failed\"")
                .contains("400");
    }

    @Test
    void anEventsFileThatCannotBeWrittenFailsAnOtherwiseGoodRunWithOneMessage() throws IOException {
        Path spec = Files.writeString(dir.resolve("ok.yaml"), """
                api_version: v1
                kind: agent
                name: fine
                sandbox: {backend: local}
                llm: {provider: scripted}
                agent: {prompt: "hello", timeout_secs: 120}
                """);
        // /dev/full: every write fails with ENOSPC, as on a full disk
        CliRun run = CliRun.of(CliRun.cleanEnv(dir), "run", "--file", spec.toString(), "--events", "/dev/full");
        assertThat(run.exit()).as("stderr:\n%s", run.err()).isEqualTo(1);
        assertThat(run.err().lines().filter(l -> l.contains("events file")))
                .singleElement()
                .satisfies(l -> assertThat(l)
                        .startsWith("voidbox: the events file /dev/full is incomplete")
                        .contains("No space left on device")
                        .containsPattern("\\(\\d+ events not written\\)"));
    }

    @Test
    void versionNamesThePinnedClaudeCode() {
        assertThat(VoidboxCommand.execute("version")).isZero();
    }
}
