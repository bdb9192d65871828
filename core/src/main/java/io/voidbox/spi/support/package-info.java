/**
 * Small helpers for plug-in authors: killing process trees, deleting trees, splitting lines, cutting text.
 */
package io.voidbox.spi.support;
