package dev.warbler.core.groups;

import java.util.Optional;

/**
 * A group as one caller sees it: the stored group, the caller's membership (empty for a non-member
 * and for the app backend) and how many members it has.
 */
public record GroupView(GroupRecord group, Optional<Membership> you, int memberCount) {}
