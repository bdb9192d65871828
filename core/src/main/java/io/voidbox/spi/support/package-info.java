/**
 * Small helpers for plug-in authors: killing process trees, deleting trees, splitting lines, cutting text,
 * installing an agent CLI from npm ({@link io.voidbox.spi.support.NpmInstaller}), an agent's output sink
 * ({@link io.voidbox.spi.support.AgentOutput}) and reading API keys ({@link io.voidbox.spi.support.ApiKeys}).
 */
package io.voidbox.spi.support;
