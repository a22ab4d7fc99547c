package dev.baton.api;

/** The body of every 4xx/5xx answer: what was wrong, and where possible what to do. */
public record ErrorResponse(String error) {}
