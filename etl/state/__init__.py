"""The working folder's state: ledger, links, delta hashes, staging, locks, mail queue, payments, folders."""
