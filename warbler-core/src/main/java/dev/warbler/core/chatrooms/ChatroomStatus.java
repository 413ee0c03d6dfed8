package dev.warbler.core.chatrooms;

/** A chatroom as an app backend sees it: its definition and its live state on this node. */
public record ChatroomStatus(Chatroom room, int present, long epoch, long lastSeq) {}
