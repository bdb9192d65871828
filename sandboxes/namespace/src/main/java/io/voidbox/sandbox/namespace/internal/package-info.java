/**
 * Implementation of the {@code namespace} backend: the bubblewrap command line, the unprivileged user, the model
 * forwarder, the seccomp program and confined workspace file access. Not an API.
 */
package io.voidbox.sandbox.namespace.internal;
