/**
 * The Claude Code agent: its plug-in and its pinned installer.
 */
package io.voidbox.agent.claude;
