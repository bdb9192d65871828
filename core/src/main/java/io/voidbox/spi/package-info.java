/**
 * What plug-ins implement (sandbox backends, agent runners, model endpoints) and what they receive (the {@link io.voidbox.spi.BoxScope} of the box they serve). Plug-ins are found with {@link java.util.ServiceLoader} through {@link io.voidbox.spi.Plugin}.
 */
package io.voidbox.spi;
