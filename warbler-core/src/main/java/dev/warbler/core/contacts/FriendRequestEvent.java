package dev.warbler.core.contacts;

/** A friend request was sent, accepted or declined; pushed to both users' devices. */
public record FriendRequestEvent(FriendRequest request, Status status) {
  public enum Status {
    PENDING,
    ACCEPTED,
    DECLINED
  }
}
