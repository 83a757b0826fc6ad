"""OpenLineage exporter for SageMaker pipeline lineage (graphs, SQL lineage, schemas)."""
