"""Operations analytics: weekly figures per line, gate and member, and the operation index."""
