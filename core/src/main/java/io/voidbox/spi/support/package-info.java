/**
 * Small helpers for plug-in authors: killing process trees, deleting trees, splitting lines, cutting text,
 * installing an agent CLI from npm ({@link io.voidbox.spi.support.NpmInstaller}), an agent's output sink
 * ({@link io.voidbox.spi.support.AgentOutput}), reading API keys ({@link io.voidbox.spi.support.ApiKeys}), keeping
 * them on the host ({@link io.voidbox.spi.support.CredentialProxy}, {@link io.voidbox.spi.support.ModelRoutes}) and
 * masking known secrets ({@link io.voidbox.spi.support.Redactor}).
 */
package io.voidbox.spi.support;
