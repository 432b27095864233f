package dev.harvest.config;

import com.fasterxml.jackson.databind.JsonMappingException.Reference;
import java.util.List;

/** Renders Jackson's reference chain as the field path users see: {@code lanes[1].topic}. */
final class FieldPath {

    private FieldPath() {
    }

    static String of(List<Reference> path) {
        StringBuilder sb = new StringBuilder();
        for (Reference ref : path) {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}
