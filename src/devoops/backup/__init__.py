"""Backups devoops makes and reads: where they are kept, how they are streamed, their manifest."""
