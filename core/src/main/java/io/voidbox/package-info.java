/**
 * The public API: build a {@link io.voidbox.Pipeline} of {@link io.voidbox.Box}es and run it with a {@link io.voidbox.VoidBox}; results carry a {@link io.voidbox.Usage} and, on failure, a typed {@link io.voidbox.Failure}.
 */
package io.voidbox;
