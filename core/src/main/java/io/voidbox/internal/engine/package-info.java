/**
 * Implementation: the engine that runs pipelines and boxes. Not API; may change at any time.
 */
package io.voidbox.internal.engine;
