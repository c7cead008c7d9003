"""The admin's policy: rocm_notice.conf and its drop-ins, and the lock lists."""
