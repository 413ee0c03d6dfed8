package dev.warbler.core;

import dev.warbler.core.access.Access;
import dev.warbler.core.access.TokenService;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.core.contacts.Contacts;
import dev.warbler.core.crypto.AtRestEncryption;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.directory.Profiles;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.messaging.ConversationList;
import dev.warbler.core.messaging.MessageLifecycle;
import dev.warbler.core.messaging.Messenger;
import dev.warbler.core.metering.Metering;
import dev.warbler.core.moderation.Moderation;
import dev.warbler.core.moderation.ReviewQueue;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.state.Presence;
import dev.warbler.core.state.Receipts;
import java.time.InstantSource;

/**
 * The core services a transport (gateway, REST API) works with, wired once by the server. New
 * capabilities add a component here instead of a constructor parameter to every transport.
 */
public record Services(
    Messenger messenger,
    Directory directory,
    Sessions sessions,
    TokenService tokens,
    InstantSource clock,
    MessageLifecycle lifecycle,
    Chatrooms chatrooms,
    Contacts contacts,
    ConversationList conversations,
    GroupAdmin groups,
    Receipts receipts,
    Presence presence,
    Profiles profiles,
    Metering metering,
    Access access,
    Audit audit,
    AtRestEncryption encryption,
    Moderation moderation,
    ReviewQueue reviews) {}
