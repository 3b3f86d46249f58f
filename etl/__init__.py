"""File-based ETL bridge between hhg-multistore (shop) and Sage GS-Office (ERP)."""

__version__ = "0.1.0"
