/**
 * The Codex agent plug-in: {@link io.voidbox.agent.codex.CodexPlugin} (found by
 * {@link java.util.ServiceLoader}) and {@link io.voidbox.agent.codex.CodexInstaller}, the pinned
 * CLI's install. The runner, its live JSONL parser, the price table and the model endpoints are
 * in {@code io.voidbox.agent.codex.internal} (not API).
 */
package io.voidbox.agent.codex;
