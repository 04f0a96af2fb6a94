"""VLGuard helpfulness on safe_safes (arXiv 2402.02207): the judged win rate; see ../vlguard/README.md."""
