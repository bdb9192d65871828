/**
 * Implementation: running Claude Code in a box and reading its stream-json live. Not API; may change at any time.
 */
package io.voidbox.agent.claude.internal;
