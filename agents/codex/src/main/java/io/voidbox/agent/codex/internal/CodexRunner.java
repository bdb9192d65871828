package io.voidbox.agent.codex.internal;

import io.voidbox.AgentOptions.Runner;
import io.voidbox.Failure;
import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.AgentOutcome;
import io.voidbox.spi.AgentPayload;
import io.voidbox.spi.AgentRunner;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxEnvironment;
import io.voidbox.spi.support.AgentOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Runs the real Codex CLI headless inside a sandbox ({@code codex exec --json}) and turns its JSONL
 * into the same live events as Claude Code's: {@code agent.started "codex"}, one tool call and
 * result per tool item (named by its kind, e.g. {@code command_execution}), then the result with
 * the tokens Codex reported and a cost estimated from the price table.
 *
 * <p>Inside a VM the box is the sandbox, so Codex's own sandbox and approvals are off
 * ({@code --dangerously-bypass-approvals-and-sandbox}); on the {@code local} backend they stay on
 * ({@code --sandbox workspace-write}, approvals {@code never}: nobody is there to approve) unless
 * the box opts out ({@code AgentOptions.Permissions.skipChecks}). The model endpoint comes from
 * {@link CodexLlmResolver} as a custom model provider ({@code -c model_providers.voidbox=...},
 * Responses wire API, key in {@code OPENAI_API_KEY}); update checks, analytics and plug-in syncs
 * are turned off, so the only connections Codex makes are to that endpoint.
 */
public final class CodexRunner implements AgentRunner {
    /** Where a VM guest finds the Codex binary: a link into its agent layer (see {@code docs/codex.md}). */
    public static final String GUEST_BINARY = "/usr/bin/codex";
    /** The provider id in Codex's config overrides. */
    static final String PROVIDER = "voidbox";
    /** Codex's transient-failure retries per model request (like Claude Code's {@code CLAUDE_CODE_MAX_RETRIES}). */
    static final int MAX_RETRIES = 3;

    private static final List<String> QUIET = List.of(
            "--disable", "plugins",
            "--disable", "remote_plugin",
            "--disable", "apps",
            "--disable", "in_app_updates",
            "-c", "analytics.enabled=false",
            "-c", "check_for_update_on_startup=false");

    private final Supplier<Path> hostBinary;

    /** @param hostBinary the host's Codex binary, for sandboxes that run it from the host ({@code local}) */
    public CodexRunner(Supplier<Path> hostBinary) {
        this.hostBinary = hostBinary;
    }

    @Override
    public Runner runner() {
        return Runner.CODEX;
    }

    /**
     * The CLI's platform directory ({@code bin/codex} with {@code codex-path/} and
     * {@code codex-resources/} next to it), which a VM mounts at {@code /opt/codex} with
     * {@value #GUEST_BINARY} linked to its {@code bin/codex}.
     */
    @Override
    public Optional<AgentPayload> payload() {
        return Optional.of(
                new AgentPayload(name(), () -> hostBinary.get().getParent().getParent(), "bin/" + name()));
    }

    /** The binary as the sandbox sees it: the host's install locally, the image's in a VM. */
    String executable(SandboxEnvironment env) {
        return env.backend().equals("local") ? hostBinary.get().toString() : GUEST_BINARY;
    }

    static List<String> argv(String executable, SandboxEnvironment env, AgentInvocation inv) {
        List<String> argv =
                new ArrayList<>(List.of(executable, "exec", "--json", "--skip-git-repo-check", "--ephemeral"));
        if (env.backend().equals("local") && !inv.options().permissions().skipChecks()) {
            argv.addAll(List.of("--sandbox", "workspace-write", "-c", "approval_policy=\"never\""));
        } else {
            argv.add("--dangerously-bypass-approvals-and-sandbox");
        }
        argv.addAll(QUIET);
        if (!inv.model().isBlank()) argv.addAll(List.of("--model", inv.model()));
        String baseUrl = inv.env().get(CodexLlmResolver.BASE_URL_ENV);
        if (baseUrl != null) {
            argv.addAll(List.of("-c", "model_provider=\"" + PROVIDER + "\"", "-c", providerConfig(baseUrl)));
        }
        argv.addAll(List.of("--", inv.prompt()));
        return argv;
    }

    /** The custom provider as a TOML inline table: the endpoint, the Responses API, the key's variable. */
    static String providerConfig(String baseUrl) {
        return "model_providers." + PROVIDER + "={name=\"" + PROVIDER + "\", base_url=" + toml(baseUrl)
                + ", wire_api=\"responses\", env_key=\"" + CodexLlmResolver.KEY_ENV + "\", request_max_retries="
                + MAX_RETRIES + ", stream_max_retries=" + MAX_RETRIES + "}";
    }

    static Map<String, String> env(SandboxEnvironment env, AgentInvocation inv) {
        // Codex keeps its state in $HOME/.codex: it goes away with the box. The endpoint reaches Codex
        // as its provider config; kept in the environment too, so that a VM box opens its tunnel to it
        // (a restricted box reaches only the endpoints its commands name)
        return inv.processEnvironment(env, Map.of());
    }

    @Override
    public AgentOutcome run(AgentInvocation inv, Sandbox sandbox, BoxScope scope)
            throws IOException, InterruptedException {
        SandboxEnvironment senv = sandbox.environment();
        CodexRunSummary summary = new CodexRunSummary();
        CodexJsonlParser parser = new CodexJsonlParser(
                event -> {
                    summary.accept(event);
                    report(event, scope);
                },
                System::nanoTime);
        List<String> argv = argv(executable(senv), senv, inv);
        scope.agentStarted(name(), inv.provider(), inv.model());
        long start = System.nanoTime();
        AgentOutput output = new AgentOutput(scope, parser::accept);
        ExecResult r = sandbox.exec(new ExecSpec(argv, env(senv, inv), senv.workspace(), inv.timeout()), output);
        parser.finish();
        long durationMs = (System.nanoTime() - start) / 1_000_000;
        return new AgentOutcome(
                summary.resultText(),
                summary.threadId(),
                summary.usage(inv.model()),
                durationMs,
                0,
                failure(r, summary, inv, output.stderrTail()));
    }

    /** Tool items become the box's tool calls and results; Codex's warnings and errors its warnings. */
    private static void report(CodexEvent event, BoxScope scope) {
        switch (event) {
            case CodexEvent.ToolStarted t -> scope.toolCall(t.kind(), t.itemId(), t.input(), null);
            case CodexEvent.ToolCompleted t -> {
                if (!t.started()) scope.toolCall(t.kind(), t.itemId(), t.input(), null);
                scope.toolResult(t.kind(), t.itemId(), t.isError(), t.durationMs(), t.output(), null);
            }
            case CodexEvent.ToolUnfinished u ->
                scope.warning("tool call " + u.kind() + " (" + u.itemId() + ") never returned a result");
            case CodexEvent.ItemError e -> scope.warning("codex: " + e.message());
            case CodexEvent.StreamError e -> scope.warning("codex: " + e.error().describe());
            case CodexEvent.ParseWarning w ->
                scope.warning("codex output line " + w.line() + ": " + w.message() + " [" + w.excerpt() + "]");
            default -> {}
        }
    }

    private static Optional<Failure> failure(
            ExecResult r, CodexRunSummary s, AgentInvocation inv, List<String> stderr) {
        if (r.timedOut())
            return Optional.of(new Failure.Timeout(
                    "codex timed out after " + inv.timeout().toSeconds() + " s; its process tree was killed",
                    inv.timeout().toMillis()));
        Optional<CodexError> error = s.error();
        if (error.isPresent()) {
            CodexError e = error.get();
            String message = "codex reported an error: " + e.describe();
            return Optional.of(
                    e.httpStatus().isPresent()
                            ? Failure.ofHttpStatus(message, e.httpStatus().getAsInt())
                            // no status: the connection or the stream broke; a malformed request stays malformed
                            : new Failure.ApiError(
                                    message, null, !e.type().orElse("").equals("invalid_request_error")));
        }
        if (r.exitCode() != 0)
            return Optional.of(Failure.AgentCrashed.of("codex exited with code " + r.exitCode(), r.exitCode(), stderr));
        if (!s.completed())
            return Optional.of(new Failure.NoResult("codex ended without a completed turn", r.exitCode(), stderr));
        return Optional.empty();
    }

    /** A TOML basic string. */
    static String toml(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
