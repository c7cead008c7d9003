"""dnf5: what the native helper reads for libdnf5's plugin (dnf5-plugin/), `rocm-epel-notice`
(``dnf rocm`` on dnf5), and a read-only libdnf5 sack."""
