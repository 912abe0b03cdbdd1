"""E-mail notifications: events write to an outbox in their own transaction; a separate
run (`blaastempel notify send`) delivers the mail."""
