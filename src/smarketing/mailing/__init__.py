"""E-mail to contacts: templates, consent records, the suppression list, sending and unsubscribe."""
