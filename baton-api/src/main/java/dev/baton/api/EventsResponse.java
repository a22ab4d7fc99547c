package dev.baton.api;

import java.util.List;

/** {@code GET /v1/events}: events oldest first; page on with {@code since=<last seq>}. */
public record EventsResponse(List<EventEntry> events) {}
