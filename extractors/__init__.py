"""Plain functions over bytes, strings and dataclasses: feeds, fetching, extraction,
cleaning, topic relevance. Only `extractors.fetching` touches the network."""
