/**
 * The {@code local} backend: the agent as a host process in its own temp workspace and process group (no isolation).
 */
package io.voidbox.sandbox.local;
