/**
 * The {@code namespace} backend: each box in bubblewrap namespaces (user, mount, pid, ipc, uts, net) with the host
 * system read-only, for machines where micro-VMs are slow or absent. Implementation in {@code .internal}.
 */
package io.voidbox.sandbox.namespace;
