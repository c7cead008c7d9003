"""dnf 4: the plugin's work (dnf-plugins/rocm_notice.py is the module dnf loads) and `dnf rocm`."""
