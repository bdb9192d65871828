/**
 * The scripted model: an offline, deterministic stand-in for the Anthropic Messages API that the
 * real Claude Code CLI talks to unchanged ({@link io.voidbox.scripted.ScriptedModelServer}),
 * answering from {@link io.voidbox.scripted.Scenario} files (contract:
 * {@code docs/scripted-model.md}).
 */
package io.voidbox.scripted;
