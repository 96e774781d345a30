export * from './department';
export * from './dto/department.dto';
