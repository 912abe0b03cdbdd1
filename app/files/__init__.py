"""Evidence files: the bytes in a storage (by SHA-256), a metadata row per attachment, and
the checks an upload passes. The domains above (assessment, approvals) decide who may
attach, see and remove a file; this package only keeps and checks them."""
