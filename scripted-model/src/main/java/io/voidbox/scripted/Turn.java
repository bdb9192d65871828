package io.voidbox.scripted;

/**
 * One scripted answer: the N-th request of a conversation gets the N-th turn. Either a
 * {@link Reply} (text and/or tool calls) or an {@link ErrorTurn} (an HTTP error status).
 */
public sealed interface Turn permits Reply, ErrorTurn {}
