/**
 * The {@code voidbox} command line; uses only the public API of the other modules.
 */
package io.voidbox.cli;
